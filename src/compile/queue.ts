import type { FileStorageConfig } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import type { PersistentQueue } from "../schema/description.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";

/** The sending queue of an exporter that must survive a restart: on disk when the description says so. */
export function persistentQueue(queue: PersistentQueue | undefined, inMemorySize: number) {
  return queue
    ? { enabled: true, queue_size: queue.size, storage: ID.queueStorage }
    : { enabled: true, queue_size: inMemorySize };
}

/** Where the persistent queues live; each process of a tier has its own volume at that directory. */
export function compileQueueStorage({ topology }: ResolvedPipeline): Fragment {
  if (!topology.queue) return {};
  const storage: FileStorageConfig = { directory: topology.queue.directory, create_directory: true };
  return { extensions: { [ID.queueStorage]: storage } };
}
