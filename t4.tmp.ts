import {readFileSync} from "node:fs";
import {loadMambaCheckpoint} from "./src/engine/checkpoint.js";
import {lmForward} from "./src/engine/model.js";
const err = (a: ArrayLike<number>, b: number[]) => { let m=0, s=0; for (let i=0;i<b.length;i++){m=Math.max(m,Math.abs(a[i]-b[i])); s=Math.max(s,Math.abs(b[i]));} return m/Math.max(1,s); };
for (const n of ["lm-tiny","lm-bias-large-delta","lm-odd-shapes"]) {
  const dir = `/work/shared/golden/${n}`;
  const model = loadMambaCheckpoint(JSON.parse(readFileSync(dir+"/config.json","utf8")), readFileSync(dir+"/model.safetensors"));
  const c = JSON.parse(readFileSync(dir+"/case.json","utf8"));
  const t0 = performance.now();
  const o = lmForward(model, c.input_ids);
  console.log(n, "ms", (performance.now()-t0).toFixed(1), "logits", err(o.logits, c.logits.data));
  c.hidden_states.forEach((h: any, i: number) => console.log("  hidden", i, err(o.residuals[i] ?? o.normalized, h.data), i === o.residuals.length-1 ? err(o.normalized, h.data) : ""));
  c.layers.forEach((l: any, i: number) => console.log("  layer", i, ["x_conv","z","delta","B","C","y_gated","final_state"].map(k => k+"="+err((o.layers[i] as any)[{x_conv:"xConv",z:"z",delta:"delta",B:"B",C:"C",y_gated:"yGated",final_state:"finalState"}[k]!], l[k].data).toExponential(1)).join(" ")));
}
