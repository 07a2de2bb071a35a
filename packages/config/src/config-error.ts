/** One problem with a configuration, named by the path of the offending setting. */
export interface ConfigError {
  /** `sip.listen[0].port`, `(root)` for the whole document, or `--set`/`env NAME` for an unusable override. */
  path: string;
  message: string;
}

/** `sip.listen[0].port: must be <= 65535` */
export function formatConfigError(e: ConfigError): string {
  return `${e.path}: ${e.message}`;
}
