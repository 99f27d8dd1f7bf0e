/**
 * Changes to process.env that a test or suite undoes: `set` remembers a variable's value before its first change,
 * `restore` puts every changed variable back (deleting those that were unset).
 */
export class EnvironmentChanges {
  private readonly saved = new Map<string, string | undefined>();

  /** Sets (or, with `undefined`, deletes) one variable. */
  set(name: string, value: string | undefined): void {
    if (!this.saved.has(name)) {
      this.saved.set(name, process.env[name]);
    }
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }

  /** Sets several variables. */
  setAll(values: Record<string, string | undefined>): void {
    for (const [name, value] of Object.entries(values)) {
      this.set(name, value);
    }
  }

  /** Puts back every variable changed since the last restore. */
  restore(): void {
    for (const [name, value] of this.saved) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
    this.saved.clear();
  }
}
