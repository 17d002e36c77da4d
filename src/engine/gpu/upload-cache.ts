/**
 * Weights uploaded to the GPU, kept for the few weights used last. A page moves a slider many times on
 * the same weights (one upload), but it may also move to new weights many times (a seed slider, a model
 * switch): the least recently used upload is freed once more than `capacity` are held, so GPU memory
 * stays bounded however long the reader plays.
 */
export class UploadCache<Key extends object, Uploaded> {
  private readonly entries = new Map<Key, Uploaded>();

  constructor(
    private readonly upload: (key: Key) => Uploaded,
    private readonly free: (uploaded: Uploaded) => void,
    private readonly capacity = 4,
  ) {}

  /** The upload of `key`, made now if it is not held; it becomes the most recently used. */
  get(key: Key): Uploaded {
    let uploaded = this.entries.get(key);
    if (uploaded === undefined) {
      uploaded = this.upload(key);
      while (this.entries.size >= this.capacity) this.delete(this.entries.keys().next().value as Key);
    } else {
      this.entries.delete(key);
    }
    this.entries.set(key, uploaded);
    return uploaded;
  }

  /** Frees the upload of `key`, if held. */
  delete(key: Key): void {
    const uploaded = this.entries.get(key);
    if (uploaded === undefined) return;
    this.entries.delete(key);
    freeQuietly(this.free, uploaded);
  }

  /** Frees every upload. */
  clear(): void {
    [...this.entries.keys()].forEach((key) => this.delete(key));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Frees an upload; tensors of a lost GPU context cannot always be freed on it, and tfjs forgets them all the same. */
function freeQuietly<Uploaded>(free: (uploaded: Uploaded) => void, uploaded: Uploaded): void {
  try {
    free(uploaded);
  } catch {
    // see above
  }
}
