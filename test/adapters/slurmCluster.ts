/**
 * A real one-node Slurm cluster on loopback, started in a temporary directory for the tests and torn
 * down after: its own munged (own key and socket), slurmctld and slurmd, its own slurm.conf, state and
 * spool directories and free ports, so it never meets a system Slurm. Runs as root (CI). Without the
 * `accounting` option, accounting is not configured: job outcomes come from `scontrol show job` and the
 * jobcomp/filetxt record; with it, a MariaDB and slurmdbd of its own make `sacct` answer.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

export const NODE = "periogt-node"
export const PARTITION = "debug"

export interface JobOutcome {
  readonly jobId: string
  readonly state: string
  readonly exitCode: string
  readonly stdoutPath: string | undefined
}

export interface SlurmCluster {
  readonly dir: string
  /** Environment for client commands (sbatch, scontrol): SLURM_CONF and a PATH. */
  readonly env: Record<string, string>
  sbatch(args: ReadonlyArray<string>, options: { cwd: string; env?: Record<string, string> }): string
  /** Waits until every job (array tasks included) of `jobId` is final; one outcome per task. */
  waitFinal(jobId: string, timeoutMs?: number): Promise<ReadonlyArray<JobOutcome>>
  /** The jobcomp/filetxt lines for a job id (the completion record). */
  completionRecords(): string
  stop(): void
}

/** `count` distinct free ports: all held open together while chosen (one at a time could give the same port twice). */
const freePorts = async (count: number): Promise<number[]> => {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer()
          s.unref()
          s.on("error", reject)
          s.listen(0, "127.0.0.1", () => resolve(s))
        }),
    ),
  )
  const ports = servers.map((s) => {
    const a = s.address()
    return typeof a === "object" && a !== null ? a.port : 0
  })
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))))
  return ports
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const run = (cmd: ReadonlyArray<string>, env: Record<string, string>, cwd?: string) => {
  const p = Bun.spawnSync([...cmd], { env, cwd, stdout: "pipe", stderr: "pipe" })
  return { code: p.exitCode ?? -1, out: p.stdout.toString(), err: p.stderr.toString() }
}

const FINAL = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED"])

/**
 * `accounting`: also a MariaDB server (its own data directory, socket and port) and slurmdbd, so that
 * `sacct` answers (Debian's mariadb-server and slurmdbd; the test that asks for it skips without them).
 */
export const startSlurmCluster = async (options: { readonly accounting?: boolean } = {}): Promise<SlurmCluster> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-slurm-"))
  fs.chmodSync(dir, 0o755)
  const pids: string[] = []
  const stop = () => {
    // Only the daemons started here, by the pid files they wrote; slurmd first.
    for (const pidFile of [path.join(dir, "slurmd.pid"), path.join(dir, "slurmctld.pid"), path.join(dir, "slurmdbd.pid"), path.join(dir, "mysql.pid"), path.join(dir, "munge", "munged.pid")]) {
      try {
        const pid = Number(fs.readFileSync(pidFile, "utf8").trim())
        if (pid > 1) process.kill(pid, "SIGTERM")
      } catch {
        // not started or already gone
      }
    }
    const deadline = Date.now() + 5000
    for (const pidFile of pids) {
      try {
        const pid = Number(fs.readFileSync(pidFile, "utf8").trim())
        while (Date.now() < deadline) {
          try {
            process.kill(pid, 0)
            Bun.sleepSync(50)
          } catch {
            break
          }
        }
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // gone
        }
      } catch {
        // no pid file
      }
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const d of ["munge", "state", "spool", "log"]) fs.mkdirSync(path.join(dir, d), { recursive: true })
    fs.chmodSync(path.join(dir, "munge"), 0o700)
    const key = path.join(dir, "munge", "munge.key")
    fs.writeFileSync(key, crypto.getRandomValues(new Uint8Array(1024)))
    fs.chmodSync(key, 0o400)
    const sockDir = path.join(dir, "munge-socket")
    fs.mkdirSync(sockDir, { mode: 0o755 })
    const socket = path.join(sockDir, "munge.socket")
    const baseEnv = { PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin", HOME: process.env["HOME"] ?? "/root" }
    pids.push(path.join(dir, "munge", "munged.pid"))
    const m = run(
      ["munged", "--force", `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${path.join(dir, "munge", "munged.pid")}`, `--log-file=${path.join(dir, "munge", "munged.log")}`, `--seed-file=${path.join(dir, "munge", "munged.seed")}`],
      baseEnv,
    )
    if (m.code !== 0) throw new Error(`munged did not start: ${m.err}`)

    const [ctldPort, slurmdPort, dbdPort, sqlPort] = (await freePorts(4)) as [number, number, number, number]
    const host = os.hostname().split(".")[0] ?? "localhost"
    if (options.accounting === true) {
      const db = path.join(dir, "db")
      const inst = run(["mariadb-install-db", "--no-defaults", `--datadir=${db}`, "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"], baseEnv)
      if (inst.code !== 0) throw new Error(`mariadb-install-db failed: ${inst.err.slice(-800)}`)
      pids.push(path.join(dir, "mysql.pid"))
      const sock = path.join(dir, "mysql.sock")
      Bun.spawn(["mariadbd", "--no-defaults", `--datadir=${db}`, `--socket=${sock}`, `--port=${sqlPort}`, "--bind-address=127.0.0.1", "--user=root", `--pid-file=${path.join(dir, "mysql.pid")}`, `--log-error=${path.join(dir, "log", "mysql.err")}`], { env: baseEnv, stdio: ["ignore", "ignore", "ignore"] }).unref()
      const sqlDeadline = Date.now() + 60_000
      while (run(["mariadb-admin", "--no-defaults", `--socket=${sock}`, "-uroot", "ping"], baseEnv).code !== 0) {
        if (Date.now() > sqlDeadline) throw new Error(`MariaDB did not start: ${fs.existsSync(path.join(dir, "log", "mysql.err")) ? fs.readFileSync(path.join(dir, "log", "mysql.err"), "utf8").slice(-800) : ""}`)
        await sleep(250)
      }
      const grant = run(["mariadb", "--no-defaults", `--socket=${sock}`, "-uroot", "-e", "CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'periogt'; GRANT ALL ON *.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;"], baseEnv)
      if (grant.code !== 0) throw new Error(`MariaDB user: ${grant.err}`)
      const dbdConf = path.join(dir, "slurmdbd.conf")
      fs.writeFileSync(
        dbdConf,
        [
          "AuthType=auth/munge",
          `AuthInfo=socket=${socket}`,
          `DbdHost=${host}`,
          "DbdAddr=127.0.0.1",
          `DbdPort=${dbdPort}`,
          "SlurmUser=root",
          `PidFile=${path.join(dir, "slurmdbd.pid")}`,
          `LogFile=${path.join(dir, "log", "slurmdbd.log")}`,
          "StorageType=accounting_storage/mysql",
          "StorageHost=127.0.0.1",
          `StoragePort=${sqlPort}`,
          "StorageUser=slurm",
          "StoragePass=periogt",
          "StorageLoc=periogt_acct_db",
          "",
        ].join("\n"),
        { mode: 0o600 },
      )
    }
    const accounting =
      options.accounting === true
        ? ["JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/slurmdbd", "AccountingStorageHost=127.0.0.1", `AccountingStoragePort=${dbdPort}`, `AccountingStoragePass=${socket}`]
        : ["JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none"]
    const conf = path.join(dir, "slurm.conf")
    fs.writeFileSync(
      conf,
      [
        "ClusterName=periogttest",
        `SlurmctldHost=${host}(127.0.0.1)`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        `AuthInfo=socket=${socket}`,
        "CredType=cred/munge",
        `StateSaveLocation=${path.join(dir, "state")}`,
        `SlurmdSpoolDir=${path.join(dir, "spool")}`,
        `SlurmctldPidFile=${path.join(dir, "slurmctld.pid")}`,
        `SlurmdPidFile=${path.join(dir, "slurmd.pid")}`,
        `SlurmctldLogFile=${path.join(dir, "log", "slurmctld.log")}`,
        `SlurmdLogFile=${path.join(dir, "log", "slurmd.log")}`,
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "SchedulerType=sched/backfill",
        "SlurmdParameters=config_overrides",
        ...accounting,
        "JobCompType=jobcomp/filetxt",
        `JobCompLoc=${path.join(dir, "log", "jobcomp.txt")}`,
        "MpiDefault=none",
        "ReturnToService=2",
        "MinJobAge=600",
        "InactiveLimit=0",
        "KillWait=5",
        `NodeName=${NODE} NodeAddr=127.0.0.1 NodeHostname=${NODE} CPUs=16 RealMemory=65536 State=UNKNOWN`,
        `PartitionName=${PARTITION} Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP`,
        "",
      ].join("\n"),
    )
    const env = { ...baseEnv, SLURM_CONF: conf }
    if (options.accounting === true) {
      // slurmdbd reads slurmdbd.conf beside SLURM_CONF; the cluster is registered before slurmctld starts.
      pids.push(path.join(dir, "slurmdbd.pid"))
      const dbd = run(["slurmdbd"], env)
      if (dbd.code !== 0) throw new Error(`slurmdbd did not start: ${dbd.err}`)
      const dbdDeadline = Date.now() + 60_000
      let last = ""
      for (;;) {
        const r = run(["sacctmgr", "-i", "add", "cluster", "periogttest"], env)
        last = r.out + r.err
        if (r.code === 0 || /already exists|Nothing new added/i.test(last)) break
        if (Date.now() > dbdDeadline) throw new Error(`slurmdbd does not answer: ${last}; ${fs.existsSync(path.join(dir, "log", "slurmdbd.log")) ? fs.readFileSync(path.join(dir, "log", "slurmdbd.log"), "utf8").slice(-800) : ""}`)
        await sleep(250)
      }
    }
    pids.push(path.join(dir, "slurmctld.pid"))
    const c = run(["slurmctld", "-f", conf], env)
    if (c.code !== 0) throw new Error(`slurmctld did not start: ${c.err}`)
    pids.push(path.join(dir, "slurmd.pid"))
    const d = run(["slurmd", "-f", conf, "-N", NODE], env)
    if (d.code !== 0) throw new Error(`slurmd did not start: ${d.err}`)

    const deadline = Date.now() + 45_000
    let state = ""
    while (Date.now() < deadline) {
      const s = run(["sinfo", "-h", "-n", NODE, "-o", "%T"], env)
      state = s.out.trim()
      if (s.code === 0 && state === "idle") break
      await sleep(250)
    }
    if (state !== "idle") {
      const log = (f: string) => {
        try {
          return fs.readFileSync(path.join(dir, "log", f), "utf8").slice(-1500)
        } catch {
          return "(none)"
        }
      }
      throw new Error(`node ${NODE} is not idle (state '${state}'):\nslurmctld.log: ${log("slurmctld.log")}\nslurmd.log: ${log("slurmd.log")}`)
    }

    const cluster: SlurmCluster = {
      dir,
      env,
      sbatch: (args, options) => {
        const r = run(["sbatch", "--parsable", ...args], { ...env, ...(options.env ?? {}) }, options.cwd)
        if (r.code !== 0) throw new Error(`sbatch ${args.join(" ")} failed: ${r.err}`)
        return r.out.trim().split(";")[0] ?? ""
      },
      waitFinal: async (jobId, timeoutMs = 90_000) => {
        const deadline = Date.now() + timeoutMs
        let last = ""
        while (Date.now() < deadline) {
          const r = run(["scontrol", "show", "job", "-o", jobId], env)
          last = r.out + r.err
          const records = r.out.split("\n").filter((l) => l.startsWith("JobId="))
          const outcomes = records.map((l) => ({
            jobId: /JobId=(\S+)/.exec(l)?.[1] ?? "",
            state: /JobState=(\S+)/.exec(l)?.[1] ?? "",
            exitCode: /(?:^|\s)ExitCode=(\S+)/.exec(l)?.[1] ?? "",
            stdoutPath: /StdOut=(\S+)/.exec(l)?.[1],
          }))
          if (outcomes.length > 0 && outcomes.every((o) => FINAL.has(o.state))) return outcomes
          await sleep(300)
        }
        throw new Error(`job ${jobId} did not finish in ${timeoutMs} ms; last scontrol: ${last}`)
      },
      completionRecords: () => {
        try {
          return fs.readFileSync(path.join(dir, "log", "jobcomp.txt"), "utf8")
        } catch {
          return ""
        }
      },
      stop,
    }
    return cluster
  } catch (e) {
    stop()
    throw e
  }
}
