/** The part of Observable Framework's standard library the components use (Framework resolves the module at build time). */
declare module "observablehq:stdlib" {
  export interface AbstractFile {
    url(): Promise<string>;
    json(): Promise<unknown>;
    arrayBuffer(): Promise<ArrayBuffer>;
  }
  export function FileAttachment(name: string): AbstractFile;
}
