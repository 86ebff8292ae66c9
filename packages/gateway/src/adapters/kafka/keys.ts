// Record keys for kafkajs: the device id as bytes made once per device (kafkajs would otherwise encode
// the string twice per record, for the hash and for the record), and a partitioner that hashes those
// bytes without allocating. It picks exactly the partition kafkajs' DefaultPartitioner (Java-compatible
// murmur2) would, so records of a device land where any other producer would put them.
import { Partitioners, type ICustomPartitioner } from 'kafkajs';
import { partitionForKey } from '../../core/murmur2.js';

export class KeyBytes {
  private readonly cache = new Map<string, Buffer>();
  constructor(private readonly max = 100_000) {}

  of(key: string): Buffer {
    let b = this.cache.get(key);
    if (b === undefined) {
      if (this.cache.size >= this.max) this.cache.clear(); // a bound, not an LRU: refilling is cheap
      b = Buffer.from(key);
      this.cache.set(key, b);
    }
    return b;
  }

  get size(): number {
    return this.cache.size;
  }
}

/** kafkajs DefaultPartitioner semantics: explicit partition wins, then the key's murmur2, then kafkajs' round robin. */
export const KeyHashPartitioner: ICustomPartitioner = () => {
  const unkeyed = Partitioners.DefaultPartitioner();
  return (args) => {
    const { partitionMetadata, message } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const key = message.key;
    if (key === null || key === undefined) return unkeyed(args);
    return partitionForKey(typeof key === 'string' ? Buffer.from(key) : key, partitionMetadata.length);
  };
};
