/** The site's chapters in reading order: one list for the navigation, the home page and the tests. */
export interface Chapter {
  /** Page path without extension, as Framework serves it. */
  path: string;
  title: string;
  /** One sentence: what the reader leaves with. */
  summary: string;
}

export const chapters: readonly Chapter[] = [
  {
    path: "/continuous",
    title: "1. The continuous state space model",
    summary: "h′(t) = A h(t) + B x(t): a state that summarises the past, and what A, B, C and D each do.",
  },
  {
    path: "/discretisation",
    title: "2. Discretisation: Euler vs zero-order hold",
    summary: "From h′ to h_t: why Euler blows up past Δλ = 2, why ZOH never does, and Mamba's own rule.",
  },
  {
    path: "/convolution-scan",
    title: "3. Convolution vs scan",
    summary: "A time-invariant SSM is a convolution; the same numbers computed two ways, then in parallel.",
  },
  {
    path: "/selectivity",
    title: "4. Selectivity",
    summary: "A trained model makes Δ, B and C depend on the token and chooses what to remember.",
  },
  {
    path: "/mamba-block",
    title: "5. The whole Mamba block",
    summary: "The block as in the official code, its fixed-size state as memory, and your own checkpoint.",
  },
  {
    path: "/hidden-attention",
    title: "6. Mamba as hidden attention",
    summary: "The scan is a matrix that mixes tokens, like attention; with one decay per head (Mamba-2) it is masked linear attention, computed in chunks.",
  },
  {
    path: "/memory",
    title: "7. Memory at length",
    summary: "Induction heads at 256 times the training length, and associative recall against the state's size.",
  },
];

/** Pages after the chapters in the navigation (appendices), not listed among the chapters on the home page. */
export const appendices: readonly { path: string; title: string }[] = [
  { path: "/kit", title: "Notebook kit" },
  { path: "/math", title: "The math" },
];
