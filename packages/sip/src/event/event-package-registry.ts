import type { EventPackage } from './event-package.js';

/** Event packages known to a notifier, by name (case-insensitive). */
export class EventPackageRegistry {
  private readonly packages = new Map<string, EventPackage>();

  /** Registers a package; returns false (and changes nothing) when the name is taken. */
  register(pkg: EventPackage): boolean {
    const name = pkg.name.toLowerCase();
    if (this.packages.has(name)) return false;
    this.packages.set(name, pkg);
    return true;
  }

  unregister(name: string): boolean {
    return this.packages.delete(name.toLowerCase());
  }

  get(name: string): EventPackage | undefined {
    return this.packages.get(name.toLowerCase());
  }

  names(): string[] {
    return [...this.packages.keys()];
  }

  /** RFC 6665 §8.2.2 Allow-Events value: the packages, comma-separated. */
  allowEvents(): string {
    return this.names().join(', ');
  }
}
