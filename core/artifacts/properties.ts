/**
 * Names and units of the properties PerioGT has checkpoints for (facts from the Python backend's
 * PROPERTY_METADATA). A property found on disk but not listed here is served with its id as label
 * and no units.
 */
export const PROPERTY_METADATA: Readonly<Record<string, { readonly label: string; readonly units: string }>> = {
  eat: { label: "Atomization energy", units: "eV" },
  eps: { label: "Dielectric constant (ε)", units: "" },
  density: { label: "Density", units: "g/cm³" },
  tg: { label: "Glass transition temperature (Tg)", units: "K" },
  nc: { label: "Refractive index (nc)", units: "" },
  eea: { label: "Electron affinity", units: "eV" },
  eip: { label: "Ionization potential", units: "eV" },
  ei: { label: "Ionization energy", units: "eV" },
  xi: { label: "Chi parameter", units: "" },
  cp: { label: "Heat capacity (Cp)", units: "J/(mol·K)" },
  e_amorph: { label: "Young's modulus (amorphous)", units: "GPa" },
  egc: { label: "Band gap (chain)", units: "eV" },
  egb: { label: "Band gap (bulk)", units: "eV" },
}

export const propertyMeta = (id: string) => PROPERTY_METADATA[id] ?? { label: id, units: "" }
