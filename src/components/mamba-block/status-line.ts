/** A status line under a figure: one sentence, text only, `data-kind` "ok" or "error" for styling and tests. */
export type StatusLine = HTMLParagraphElement & { show(text: string, kind: "ok" | "error"): void };

export function statusLine(role: string): StatusLine {
  const line = document.createElement("p") as StatusLine;
  line.className = "mb-status";
  line.setAttribute("role", "status");
  line.dataset.role = role;
  line.show = (text, kind) => {
    line.textContent = text;
    line.dataset.kind = kind;
  };
  return line;
}
