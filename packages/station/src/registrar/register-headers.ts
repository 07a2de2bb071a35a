/** The header reads the registrar makes past the syntax checks: a SipRequest, or a quick scan's view. */
export interface RegisterHeaders {
  /** The first value of a header (lower-case name, no compact form), undefined when absent. */
  get(name: string): string | undefined;
  /** Every value of a header, in order. */
  getAll(name: string): readonly string[];
}
