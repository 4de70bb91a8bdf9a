/** Implemented families. A family not listed here yields NaN for all its descriptors (see PARITY.md). */
import type { Family } from "../family.ts"
import { ABCIndex } from "./ABCIndex.ts"
import { AcidBase } from "./AcidBase.ts"
import { AdjacencyMatrix } from "./AdjacencyMatrix.ts"
import { Aromatic } from "./Aromatic.ts"
import { AtomCount } from "./AtomCount.ts"
import { Autocorrelation } from "./Autocorrelation.ts"
import { BalabanJ } from "./BalabanJ.ts"
import { BaryszMatrix } from "./BaryszMatrix.ts"
import { BCUT } from "./BCUT.ts"
import { BertzCT } from "./BertzCT.ts"
import { BondCount } from "./BondCount.ts"
import { CarbonTypes } from "./CarbonTypes.ts"
import { Chi } from "./Chi.ts"
import { CPSA } from "./CPSA.ts"
import { Constitutional } from "./Constitutional.ts"
import { DetourMatrix } from "./DetourMatrix.ts"
import { DistanceMatrix } from "./DistanceMatrix.ts"
import { EccentricConnectivityIndex } from "./EccentricConnectivityIndex.ts"
import { EState } from "./EState.ts"
import { ExtendedTopochemicalAtom } from "./ExtendedTopochemicalAtom.ts"
import { FragmentComplexity } from "./FragmentComplexity.ts"
import { Framework } from "./Framework.ts"
import { HydrogenBond } from "./HydrogenBond.ts"
import { InformationContent } from "./InformationContent.ts"
import { KappaShapeIndex } from "./KappaShapeIndex.ts"
import { Lipinski } from "./Lipinski.ts"
import { LogS } from "./LogS.ts"
import { McGowanVolume } from "./McGowanVolume.ts"
import { MoeType } from "./MoeType.ts"
import { MolecularDistanceEdge } from "./MolecularDistanceEdge.ts"
import { MolecularId } from "./MolecularId.ts"
import { PathCount } from "./PathCount.ts"
import { Polarizability } from "./Polarizability.ts"
import { RingCount } from "./RingCount.ts"
import { RotatableBond } from "./RotatableBond.ts"
import { SLogP } from "./SLogP.ts"
import { TopologicalCharge } from "./TopologicalCharge.ts"
import { TopologicalIndex } from "./TopologicalIndex.ts"
import { TopoPSA } from "./TopoPSA.ts"
import { VdwVolumeABC } from "./VdwVolumeABC.ts"
import { VertexAdjacencyInformation } from "./VertexAdjacencyInformation.ts"
import { WalkCount } from "./WalkCount.ts"
import { Weight } from "./Weight.ts"
import { WienerIndex } from "./WienerIndex.ts"
import { ZagrebIndex } from "./ZagrebIndex.ts"

export const FAMILIES: readonly Family[] = [
  ABCIndex,
  AcidBase,
  AdjacencyMatrix,
  Aromatic,
  AtomCount,
  Autocorrelation,
  BalabanJ,
  BaryszMatrix,
  BCUT,
  BertzCT,
  BondCount,
  CarbonTypes,
  Chi,
  Constitutional,
  CPSA,
  DetourMatrix,
  DistanceMatrix,
  EccentricConnectivityIndex,
  EState,
  ExtendedTopochemicalAtom,
  FragmentComplexity,
  Framework,
  HydrogenBond,
  InformationContent,
  KappaShapeIndex,
  Lipinski,
  LogS,
  McGowanVolume,
  MoeType,
  MolecularDistanceEdge,
  MolecularId,
  PathCount,
  Polarizability,
  RingCount,
  RotatableBond,
  SLogP,
  TopologicalCharge,
  TopologicalIndex,
  TopoPSA,
  VdwVolumeABC,
  VertexAdjacencyInformation,
  WalkCount,
  Weight,
  WienerIndex,
  ZagrebIndex,
]
