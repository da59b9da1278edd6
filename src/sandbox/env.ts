// Points this process's SDK clients at the sandbox the way Lambda configures them: through the
// environment. Returns a function that puts the previous environment back.

/** Settings that would send the SDK elsewhere (a profile, a stray session, a config file). */
const CLEARED = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'GLUE_ENCRYPT_CONFIG_FILE'];

export function applyEnv(env: Record<string, string>): () => void {
  const previous: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    previous[k] = process.env[k];
    process.env[k] = v;
  }
  for (const k of CLEARED) {
    if (k in env) continue;
    previous[k] = process.env[k];
    delete process.env[k];
  }
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
