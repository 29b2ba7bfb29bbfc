import type { AnyStageType } from './StageType.ts';

/** Stage types by name. The CLI uses the built-in registry; tests build their own with extra types. */
export class StageRegistry {
  private readonly types = new Map<string, AnyStageType>();

  constructor(types: Iterable<AnyStageType> = []) {
    for (const type of types) this.add(type);
  }

  add(type: AnyStageType): this {
    if (this.types.has(type.name)) throw new Error(`stage type "${type.name}" is registered twice`);
    this.types.set(type.name, type);
    return this;
  }

  get(name: string): AnyStageType | undefined {
    return this.types.get(name);
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  all(): AnyStageType[] {
    return this.names().map((name) => this.types.get(name)!);
  }

  /** A copy with more types, e.g. test-only stages on top of the built-ins. */
  with(...types: AnyStageType[]): StageRegistry {
    return new StageRegistry([...this.types.values(), ...types]);
  }
}
