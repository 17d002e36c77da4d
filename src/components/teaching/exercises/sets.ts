/**
 * The exercises at the end of each chapter: the page passes its controls, this builds the boxes
 * (prompt, live check from checks.ts, hint, answer). Pages stay one line:
 * `display(continuousExercises({a11: …, …}))`.
 */
import type { Control } from "../../controls.js";
import { slider } from "../../controls.js";
import { exercise } from "../exercise.js";
import type { LiveBlock } from "../../convolution-scan/lti-case.js";
import { element } from "../focus.js";
import type { LayerScan } from "../../../engine/hidden-attention.js";
import { answerIs, convolutionDisagrees, eulerOscillatesButDecays, kernelRemembers, largestStableEulerStep, looksOnlyNearby, passesStates, portraitIs, readsFirstCharacter, stepsCommute, zohForgets, type Entries, type Verdict } from "./checks.js";

type NumberControl = Control<number>;
type TextControl = Control<string>;

/** A <div> holding the exercises, in order. */
function set(...items: HTMLElement[]): HTMLElement {
  const root = element("div", "teach-exercises");
  root.append(...items);
  return root;
}

export function continuousExercises(a: Record<keyof Entries, NumberControl>): HTMLElement {
  const entries = (): Entries => ({ a11: a.a11.value, a12: a.a12.value, a21: a.a21.value, a22: a.a22.value });
  const watch = Object.values(a);
  return set(
    exercise({
      id: "unstable-spiral",
      prompt: "Make the state spiral outward: set the entries of A so that the trajectories turn and grow.",
      check: () => portraitIs(entries(), "unstable spiral"),
      hint: "Start from the oscillating preset (eigenvalues −0.2 ± 2i). The real part of both eigenvalues is half the trace a₁₁ + a₂₂.",
      reveal: "a₁₁ = a₂₂ = 0.3, a₁₂ = −2, a₂₁ = 2: eigenvalues 0.3 ± 2i, so the state turns at rate 2 and grows like e^{0.3t}.",
      watch,
    }),
    exercise({
      id: "stable-node-coupled",
      prompt: "Make a stable A that does not turn (a stable node) although the two states are coupled: at least one of a₁₂, a₂₁ must not be 0.",
      check: () => portraitIs(entries(), "stable node", a.a12.value !== 0 || a.a21.value !== 0),
      hint: "A triangular matrix has its diagonal as eigenvalues. Complex eigenvalues need (a₁₁ − a₂₂)² + 4a₁₂a₂₁ < 0 — avoid that.",
      reveal: "a₁₁ = −1, a₁₂ = 1, a₂₁ = 0, a₂₂ = −2: eigenvalues −1 and −2, both real and negative.",
      watch,
    }),
    exercise({
      id: "saddle",
      prompt: "Make a saddle: one direction of the state decays while another grows.",
      check: () => portraitIs(entries(), "saddle"),
      hint: "A saddle has one positive and one negative real eigenvalue, so det A = a₁₁a₂₂ − a₁₂a₂₁ < 0.",
      reveal: "a₁₁ = 1, a₁₂ = 0, a₂₁ = 0, a₂₂ = −1: h₁ grows like eᵗ while h₂ decays like e⁻ᵗ.",
      watch,
    }),
  );
}

export function discretisationExercises(c: { lambda: NumberControl; delta: NumberControl }): HTMLElement {
  const watch = [c.lambda, c.delta];
  return set(
    exercise({
      id: "largest-euler-step",
      prompt: "Find the largest step Δ (on the slider's 0.01 grid) for which Euler is still stable for A = −4, that is λ = 4.",
      check: () => largestStableEulerStep(c.lambda.value, c.delta.value, 4, 0.01),
      hint: "Euler's Ā = 1 − Δλ. Stability needs |Ā| < 1; at exactly Ā = −1 the state flips sign forever without decaying.",
      reveal: "Δ = 0.49: Ā = 1 − 0.49·4 = −0.96. At Δ = 0.5, Ā = −1 and the state no longer decays.",
      watch,
    }),
    exercise({
      id: "euler-oscillates",
      prompt: "Make Euler's state flip sign at every step yet still decay.",
      check: () => eulerOscillatesButDecays(c.lambda.value, c.delta.value),
      hint: "That needs −1 < Ā < 0, i.e. 1 < Δλ < 2.",
      reveal: "For example λ = 1 and Δ = 1.5 (the “Euler oscillates” preset): Ā = −0.5.",
      watch,
    }),
    exercise({
      id: "zoh-forgets",
      prompt: "Make zero-order hold forget at least 99 % of the state in a single step (Ā below 0.01).",
      check: () => zohForgets(c.lambda.value, c.delta.value, 0.01),
      hint: "ZOH's Ā = e^{−Δλ} depends only on the product Δλ; you need e^{−Δλ} < 0.01.",
      reveal: "Any Δλ above ln 100 ≈ 4.6, e.g. λ = 10 and Δ = 0.5: Ā = e⁻⁵ ≈ 0.0067. Euler at the same point has Ā = −4 and explodes.",
      watch,
    }),
  );
}

export function convolutionScanExercises(c: {
  /** The layer the page shows, as the model computed it on the reader's text; undefined while it loads. */
  block: () => LiveBlock | undefined;
  /** Fires "input" whenever `block` may have changed (the model panel). */
  source: HTMLElement;
  channel: () => number;
  deltaScale: NumberControl;
  mode: TextControl;
  pairs: readonly (readonly [NumberControl, NumberControl])[];
}): HTMLElement {
  const choice = () => ({ channel: c.channel(), deltaScale: c.deltaScale.value, mode: c.mode.value });
  const blockControls = [c.source, c.deltaScale];
  const [[a1, b1], [a2, b2]] = c.pairs;
  return set(
    exercise({
      id: "convolution-disagrees",
      prompt: "Make the convolution and the scan disagree (by more than 0.1 % of the output's size).",
      check: () => convolutionDisagrees(c.block(), choice()),
      hint: "While Δ, B and C are frozen, the convolution computes exactly the recurrence. What does Mamba change about Δ, B and C?",
      reveal: "Switch “Δ, B, C” to “selective”. The scan uses each character's own Δ, B, C; the convolution still slides the frozen kernel, and misses.",
      watch: [...blockControls, c.mode],
    }),
    exercise({
      id: "kernel-remembers",
      prompt: "Give the frozen kernel a long memory: make |K̄₁₀| at least 20 % of |K̄₀|, so a character still counts ten steps later.",
      check: () => kernelRemembers(c.block(), choice(), 10, 0.2),
      hint: "Āₙ = e^{ΔAₙ}: a smaller Δ keeps every Āₙ closer to 1. Try a smaller Scale Δ, or another channel.",
      reveal: "Lower Scale Δ until the kernel decays slowly (its first lags nearly equal), or pick a channel whose average Δ is small: with Δ·|Aₙ| ≪ 0.1 for the states that carry the kernel, |K̄₁₀| stays near |K̄₀|.",
      watch: blockControls,
    }),
    exercise({
      id: "steps-commute",
      prompt: "The operator • does not commute — usually. Find two different steps p₁ = (a₁, b₁) and p₂ = (a₂, b₂) with p₁ • p₂ = p₂ • p₁.",
      check: () => stepsCommute(a1.value, b1.value, a2.value, b2.value),
      hint: "The a parts always commute (a₁a₂ = a₂a₁). For the b parts you need a₂b₁ + b₂ = a₁b₂ + b₁, that is b₁(a₂ − 1) = b₂(a₁ − 1).",
      reveal: "a₁ = 0.5, b₁ = 0.5, a₂ = 0, b₂ = 1: both orders give b = 1.",
      watch: [a1, b1, a2, b2],
    }),
  );
}

export function mambaBlockExercises(c: { step: NumberControl; crossover: number; channels: number; states: number; stepMax: number }): HTMLElement {
  const answer = slider({ name: "ex-state-size", label: "Your answer: numbers in one layer's h", min: 0, max: 4 * c.channels * c.states, step: 1, value: 0 });
  const prompt = element("div");
  prompt.append("How many numbers does one layer's state h hold, whatever the number of tokens read? Set your answer.", answer);
  const items: HTMLElement[] = [];
  items.push(
    exercise({
      id: "state-size",
      prompt,
      check: () => answerIs(answer.value, c.channels * c.states, "numbers"),
      hint: "The heatmap of h has one row per channel and one column per state.",
      reveal: `${c.channels} channels × ${c.states} states = ${c.channels * c.states} numbers.`,
      watch: [answer],
    }),
  );
  if (c.crossover <= c.stepMax) {
    items.push(
      exercise({
        id: "kv-crossover",
        prompt: "Move “Tokens read” to the first length at which a Transformer's KV cache holds more numbers than Mamba's whole state.",
        check: () => answerIs(c.step.value, c.crossover, "tokens"),
        hint: "The red line (KV cache) grows by 2 × layers × d_model numbers per token; the green one never moves.",
        reveal: `${c.crossover} tokens.`,
        watch: [c.step],
      }),
    );
  }
  return set(...items);
}

/** The latest before/after result of the selectivity page's experiment, which the page computes asynchronously. */
export interface ExperimentResult {
  experiment: { kind: string };
  before: { answers: readonly { predicted: number; expected?: number }[] };
  after: { answers: readonly { predicted: number; expected?: number }[] };
  accuracyAfter: { correct: number; total: number };
}

/**
 * The selectivity exercises. `latest()` returns the page's most recent experiment result (undefined
 * while the model runs); the page calls `recheck()` on the returned element's exercises whenever a
 * new result arrives, because the result comes after the control moved.
 */
export function selectivityExercises(
  c: { experiment: TextControl; dataToken: NumberControl },
  latest: () => ExperimentResult | undefined,
): HTMLElement & { recheck(): void } {
  const watch = [c.experiment, c.dataToken];
  const ready = (kind: string): ExperimentResult | string => {
    const result = latest();
    if (!result) return "The model is still running.";
    return result.experiment.kind === kind ? result : `Choose the experiment “${kind}” first.`;
  };
  const items = [
    exercise({
      id: "forget-second-token",
      prompt: "Make the model forget the second data token by shrinking Δ where it is written: its answer at the second marker must change.",
      check: () => {
        const result = ready("shrink-delta");
        if (typeof result === "string") return { ok: false, message: result };
        if (c.dataToken.value !== 2) return { ok: false, message: "Pick data token 2." };
        const forgotten = result.after.answers[1]?.predicted !== result.before.answers[1]?.predicted;
        return { ok: forgotten, message: forgotten ? undefined : "The second answer is unchanged: shrink Δ further or perturb more tokens." };
      },
      hint: "The causal convolution (width 4) carries a token's features to the next three tokens, so Δ must be shrunk from the data token on for about 4 tokens, in the first layer.",
      reveal: "Press “forget a data token” (experiment shrink Δ, layer 1, 4 tokens from the data token on, Δ × 0), then set “Which data token” to 2.",
      watch,
    }),
    exercise({
      id: "overwrite-with-noise",
      prompt: "Make the model overwrite its memory: raise Δ on one noise token until fewer than half of the answers on the test sequences are right.",
      check: () => {
        const result = ready("raise-delta");
        if (typeof result === "string") return { ok: false, message: result };
        const rate = result.accuracyAfter.correct / Math.max(1, result.accuracyAfter.total);
        return { ok: rate < 0.5, message: rate < 0.5 ? undefined : `Still ${Math.round(rate * 100)} % right: raise Δ more, in every layer.` };
      },
      hint: "A large Δ makes Ā = exp(ΔA) close to 0: the state is reset to what the noise token writes.",
      reveal: "Press “overwrite with noise” (raise Δ to 5 in all layers on a noise position before the data tokens' answers are needed).",
      watch,
    }),
    exercise({
      id: "swap-questions",
      prompt: "Swap the questions: exchange C between two markers so that their two answers trade places.",
      check: () => {
        const result = ready("swap-c");
        if (typeof result === "string") return { ok: false, message: result };
        const before = result.before.answers.map((answer) => answer.predicted);
        const after = result.after.answers.map((answer) => answer.predicted);
        const swapped = before.some((value, i) => before.some((other, j) => i !== j && value !== other && after[i] === other && after[j] === value));
        return { ok: swapped, message: swapped ? undefined : "No two answers traded places yet: try C in all layers." };
      },
      hint: "C reads the state: the marker's C is the question it asks. Swapping the C of markers 1 and 2 swaps the questions, not the memory.",
      reveal: "Press “swap the questions” (swap C between markers 1 and 2 in all layers).",
      watch,
    }),
  ];
  const root = set(...items) as HTMLElement & { recheck(): void };
  root.recheck = () => items.forEach((item) => item.recheck());
  return root;
}

/** Answers for the page's default text (64 characters, L = 65 tokens); test/unit/hidden-attention-exercises.test.ts checks them. */
const READS_FIRST_REVEAL = "With the default text: layer 0, channel 186 (the last character's largest entry is the one for the first character).";
const NEARBY_REVEAL = "With the default text: layer 3, channel 11 (0.1 % of Σ|M| lies 8 or more characters back).";
const CHUNKS_REVEAL = "⌈L/Q⌉ = 4 chunks: with the default text (L = 65 tokens) any Q from 17 to 21.";

/** What the hidden-attention exercises read: a layer's scan tensors of the model's run on the current text. */
export interface HiddenAttentionRun {
  layer(index: number): LayerScan;
}

/**
 * The hidden-attention exercises. `latest()` returns the page's current run of the selective model (the
 * text is read after a pause in typing); the page calls `recheck()` on the returned element when a new
 * run arrives.
 */
export function hiddenAttentionExercises(
  c: { layer: TextControl; channel: NumberControl; chunk: NumberControl },
  latest: () => HiddenAttentionRun | undefined,
): HTMLElement & { recheck(): void } {
  /** Runs `verdict` on the chosen layer of the latest run, or says the model is still reading. */
  const onLayer = (verdict: (scan: LayerScan) => Verdict) => () => {
    const scan = latest()?.layer(Number(c.layer.value));
    return scan ? verdict(scan) : { ok: false, message: "The model is still reading the text." };
  };
  const items = [
    exercise({
      id: "reads-first-character",
      prompt: "Find a channel that remembers: one whose last character still reads the first character of the text, |M[L−1, 1]| at least 20 % of the largest entry in the last row.",
      check: onLayer((scan) => readsFirstCharacter(scan, c.channel.value, 0.2)),
      hint: "Memory needs Ā close to 1 between the two characters: a small Δ on the tokens in between, or a state n with A[c,n] near 0. Layer 0 has many such channels.",
      reveal: READS_FIRST_REVEAL,
      watch: [c.layer, c.channel],
    }),
    exercise({
      id: "looks-only-nearby",
      prompt: "Find a channel that only looks at the last few characters: less than 1 % of its Σ|M[t,s]| lies 8 or more characters back.",
      check: onLayer((scan) => looksOnlyNearby(scan, c.channel.value, 8, 0.01)),
      hint: "In such a channel M is a narrow band along the diagonal: Δ·|A| is large at every token, so Ā = e^{ΔA} forgets within a few steps. Look in the last layer.",
      reveal: NEARBY_REVEAL,
      watch: [c.layer, c.channel],
    }),
    exercise({
      id: "chunk-states",
      prompt: "Set the chunk size Q so that the chunked algorithm passes exactly 3 states from chunk to chunk.",
      check: onLayer((scan) => passesStates(scan.length, c.chunk.value, 3)),
      hint: "L tokens in chunks of Q make ⌈L/Q⌉ chunks, and one state is handed over at every boundary between two chunks.",
      reveal: CHUNKS_REVEAL,
      watch: [c.chunk],
    }),
  ];
  const root = set(...items) as HTMLElement & { recheck(): void };
  root.recheck = () => items.forEach((item) => item.recheck());
  return root;
}

/**
 * The memory chapter's exercises. `firstBelow95` is the first test length at which the committed results of the
 * lr 1e-3 Mamba fall below 95 %; `peakOffset()` is where layer 1's mean Δ peaks in the sequence the page shows
 * (undefined while it runs); the page calls `recheck()` when a new sequence is shown.
 */
export function memoryExercises(c: {
  breakLength: NumberControl;
  peakGuess: TextControl;
  capacity: NumberControl;
  firstBelow95: number;
  peakOffset: () => number | undefined;
  dState: number;
}): HTMLElement & { recheck(): void } {
  const items = [
    exercise({
      id: "extrapolation-break",
      prompt: "In the committed results from the GPU host, at which test length does the Mamba trained at learning rate 1e-3 first fall below 95 %? Set log₂ L.",
      check: () => answerIs(c.breakLength.value, Math.log2(c.firstBelow95), "(log₂ of the length)"),
      hint: "Read the solid blue line in the extrapolation figure, or its CSV export; the training length was 2⁸.",
      reveal: `log₂ L = ${Math.log2(c.firstBelow95)}: ${c.firstBelow95} tokens, ${c.firstBelow95 / 256} times the training length.`,
      watch: [c.breakLength],
    }),
    exercise({
      id: "delta-peak",
      prompt: "In the one-sequence view, where is layer 1's Δ (averaged over the channels) largest, counted from the first trigger ⊢?",
      check: () => {
        const offset = c.peakOffset();
        if (offset === undefined) return { ok: false, message: "The sequence is still running." };
        const truth = offset >= 0 && offset <= 3 ? String(offset) : "elsewhere";
        return { ok: c.peakGuess.value === truth, message: c.peakGuess.value === truth ? undefined : "Not there: look at the dots on the layer-1 curve." };
      },
      hint: "The block's causal convolution hands each token's features to the next three positions, so the layer may open Δ a few tokens after ⊢, when the window holds both ⊢ and the answer.",
      reveal: "It depends on the model and the sequence; the dots on the curve mark ⊢, the answer after it and the final ⊢. For the lr 1e-3 model it is usually +3, for the lr 2e-3 model +1.",
      watch: [c.peakGuess],
    }),
    exercise({
      id: "state-capacity",
      prompt: `Mamba reads its state with C_t · h_t, where h_t adds up B_s x_s: the B_s act as keys and C_t as a query. With d_state = ${c.dState}, how many key–value pairs can one channel keep apart exactly, with orthogonal keys?`,
      check: () => answerIs(c.capacity.value, c.dState, "pairs"),
      hint: "Exactly orthogonal keys in a space of dimension N: how many can there be?",
      reveal: `${c.dState}: at most N orthogonal keys fit in N numbers; more pairs must share directions and interfere, which is where a fixed-size state runs out.`,
      watch: [c.capacity],
    }),
  ];
  const root = set(...items) as HTMLElement & { recheck(): void };
  root.recheck = () => items.forEach((item) => item.recheck());
  return root;
}
