export { BaseChannel } from "./base";
export { LastValue } from "./lastValue";
export { BinaryOperatorAggregate } from "./binaryOperator";
export { EphemeralValue } from "./ephemeralValue";
export { Topic } from "./topic";
export { NamedBarrierValue } from "./namedBarrier";
export { LastValueAfterFinish, NamedBarrierValueAfterFinish } from "./afterFinish";
