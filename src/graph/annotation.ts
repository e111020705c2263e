import { BinaryOperatorAggregate, LastValue, type BaseChannel } from "./channels";

/** One state key: a last-value channel, or a reducer channel with an optional default. */
export class ChannelAnnotation<Value, UpdateValue = Value> {
  // Phantom types so `typeof State.State` / `typeof State.Update` can be read off the definition.
  declare readonly ValueType: Value;
  declare readonly UpdateType: UpdateValue;
  constructor(
    readonly reducer?: (current: Value, update: UpdateValue) => Value,
    readonly defaultValue?: () => Value,
  ) {}

  /** A fresh, empty channel for this key. */
  createChannel(key: string): BaseChannel {
    if (this.reducer)
      return new BinaryOperatorAggregate<Value, UpdateValue>(this.reducer, this.defaultValue) as BaseChannel;
    return new LastValue<Value>(key) as BaseChannel;
  }
}

export type StateDefinition = Record<string, ChannelAnnotation<any, any>>;

/** The state a node reads. */
export type StateType<SD extends StateDefinition> = { [K in keyof SD]: SD[K]["ValueType"] };
/** What a node may return: any subset of keys, each in its reducer's update type. */
export type UpdateType<SD extends StateDefinition> = { [K in keyof SD]?: SD[K]["UpdateType"] };

/** `Annotation.Root({...})`: the whole state definition. */
export class AnnotationRoot<SD extends StateDefinition> {
  declare readonly State: StateType<SD>;
  declare readonly Update: UpdateType<SD>;
  readonly lg_name = "AnnotationRoot";
  constructor(readonly spec: SD) {}
}

export interface ReducerOptions<Value, UpdateValue> {
  reducer: (current: Value, update: UpdateValue) => Value;
  default?: () => Value;
}

/**
 * `Annotation<T>()` — a key that keeps the last value written (two writes in one step → InvalidUpdateError).
 * `Annotation<T, U>({ reducer, default })` — a key that folds every write with `reducer`.
 */
export function Annotation<Value>(): ChannelAnnotation<Value, Value>;
export function Annotation<Value, UpdateValue = Value>(
  options: ReducerOptions<Value, UpdateValue>,
): ChannelAnnotation<Value, UpdateValue>;
export function Annotation<Value, UpdateValue = Value>(
  options?: ReducerOptions<Value, UpdateValue>,
): ChannelAnnotation<Value, UpdateValue> {
  return new ChannelAnnotation<Value, UpdateValue>(options?.reducer, options?.default);
}

Annotation.Root = <SD extends StateDefinition>(spec: SD): AnnotationRoot<SD> => new AnnotationRoot(spec);
