declare module 'aedes-persistence-redis/asyncPersistence.js' {
  const AsyncRedisPersistence: new (opts: Record<string, unknown>) => unknown;
  export default AsyncRedisPersistence;
}
declare module 'mqemitter-redis' {
  const MQEmitterRedis: (opts: Record<string, unknown>) => unknown;
  export default MQEmitterRedis;
}
