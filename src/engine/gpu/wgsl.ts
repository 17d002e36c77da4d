/** WGSL pieces the fused-scan kernels share (scan-webgpu.ts, scan-chunked.ts). */

/** `line(i)` for i = 0 … count − 1, one per line: the unrolled body of a loop. */
export const unrolled = (count: number, line: (i: number) => string) => Array.from({ length: count }, (_, i) => line(i)).join("\n");

/** out_t = (y_t + D u_t)·SiLU(z_t), and y_t itself when asked; reads uniforms hasZ, keepRaw, rawOffset. */
export const WRITE_TOKEN_WGSL = /* wgsl */ `
fn writeToken(at : i32, y : f32, skip : f32, x : f32, gate : f32) {
  var gated = y + skip * x;
  if (uniforms.hasZ == 1) { gated = gated * gate / (1.0 + exp(-gate)); }
  result[at] = gated;
  if (uniforms.keepRaw == 1) { result[uniforms.rawOffset + at] = y; }
}
`;
