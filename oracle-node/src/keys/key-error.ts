/** A key, keystore or password problem the operator can fix; its message says how (a leaf module: no imports). */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}
