/** A static server on 127.0.0.1 for headless browsers (local-browser.ts); it imports no browser, so the GPU host's benchmark driver can bundle it. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".safetensors": "application/octet-stream",
  ".csv": "text/csv",
};

/** The file a URL path names in `root`, as a static host serves Framework's clean URLs: `path`, `path.html`, `path/index.html`. */
function fileForPath(root: string, urlPath: string): string | undefined {
  const base = join(root, normalize(decodeURIComponent(urlPath)).replace(/^(\.\.[/\\])+/, ""));
  if (!base.startsWith(root)) return undefined;
  return [base, `${base}.html`, join(base, "index.html")].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves the folder `root` on an ephemeral port of 127.0.0.1 (nothing leaves the machine). */
export async function serveFolder(root: string): Promise<StaticServer> {
  const server = createServer((request, response) => {
    const file = fileForPath(root, new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    if (!file) return void response.writeHead(404, { "content-type": "text/plain" }).end("not found");
    response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the local server got no port");
  return { origin: `http://127.0.0.1:${address.port}`, close: () => new Promise<void>((done) => server.close(() => done())) };
}
