/**
 * The answers at the markers as a small SVG table: one row per marker with the token it must output,
 * then one column per model or condition (e.g. "selective" | "LTI", or "before" | "after") with the
 * predicted token, its probability, and ✓ / ✗; a footer row per column (an accuracy).
 */
import * as d3 from "d3";
import { formatNumber } from "../format.js";
import { responsiveChart, sizeSvg, type Chart } from "../charts/chart.js";
import type { MarkerAnswer } from "./analysis.js";

export interface AnswerColumn {
  title: string;
  answers: readonly MarkerAnswer[];
  footer?: string;
}

export interface AnswerTableData {
  columns: readonly AnswerColumn[];
  /** Symbol of a token id. */
  symbol: (id: number) => string;
}

const ROW = 24;
const FIRST = 118;

export function answerTable(data: AnswerTableData, options: { width?: number } = {}): Chart<AnswerTableData> {
  return responsiveChart("kit-answer-table", data, options.width ?? 560, draw);
}

function draw(node: SVGSVGElement, data: AnswerTableData, width: number): void {
  const markers = data.columns[0]?.answers.length ?? 0;
  const columnWidth = Math.max(96, Math.min(200, Math.floor((width - FIRST) / Math.max(1, data.columns.length))));
  const hasFooter = data.columns.some((c) => c.footer);
  const footerLines = hasFooter ? 2 : 0;
  sizeSvg(node, FIRST + columnWidth * data.columns.length, ROW * (markers + 1 + footerLines) + 8);
  const svg = d3.select(node);
  const text = (x: number, y: number, content: string, className = "") =>
    svg.append("text").attr("class", className).attr("x", x).attr("y", y).attr("dominant-baseline", "central").text(content);
  text(0, ROW / 2, "marker → wants", "kit-axis-title");
  data.columns.forEach((column, j) => text(FIRST + j * columnWidth, ROW / 2, column.title, "kit-axis-title"));
  for (let i = 0; i < markers; i++) {
    const y = ROW * (i + 1.5);
    const expected = data.columns[0].answers[i].expected;
    text(0, y, `${i + 1} (t = ${data.columns[0].answers[i].position}) → ${expected === undefined ? "—" : data.symbol(expected)}`);
    data.columns.forEach((column, j) => {
      const answer = column.answers[i];
      const verdict = answer.expected === undefined ? "" : answer.predicted === answer.expected ? " ✓" : " ✗";
      const className = answer.expected === undefined ? "" : answer.predicted === answer.expected ? "kit-answer-right" : "kit-answer-wrong";
      text(FIRST + j * columnWidth, y, `${data.symbol(answer.predicted)} (p ${formatNumber(answer.probabilities[answer.predicted], 2)})${verdict}`, className).attr(
        "data-answer",
        `${j}-${i}`,
      );
    });
  }
  if (!hasFooter) return;
  data.columns.forEach((column, j) => {
    const lines = (column.footer ?? "").split("\n");
    lines.slice(0, 2).forEach((line, k) => text(FIRST + j * columnWidth, ROW * (markers + 1.5 + k), line, "kit-answer-footer"));
  });
}
