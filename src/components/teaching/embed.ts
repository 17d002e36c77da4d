/**
 * Embed mode (`?embed=FIGURE_ID`): the page shows only that figure and its controls, without the
 * site's header, sidebar or prose, and tells the page that frames it its height (postMessage), so an
 * <iframe> in a course page or learning-management system can fit it exactly.
 */
import { EMBED_MESSAGE } from "./cite.js";
import { element, figureGroups, focusOn, watchFigures } from "./focus.js";
import { liveUrl } from "./links.js";

/** How long the page may stay without new figures before a missing id is reported. */
const QUIET_MS = 2500;

export function startEmbed(id: string): void {
  document.body.classList.add("teach-focus", "teach-embed");
  const notice = element("p", "teach-ui teach-embed-notice");
  notice.setAttribute("role", "status");
  notice.textContent = `Loading figure “${id}”…`;
  const open = element("a", "teach-ui teach-embed-open", "Open the full page ↗");
  open.target = "_blank";
  open.rel = "noopener";
  document.body.append(notice, open);

  let quietTimer = 0;
  watchFigures(() => {
    const groups = figureGroups();
    const group = groups.find((candidate) => candidate.figure.id === id);
    if (group) {
      window.clearTimeout(quietTimer);
      notice.hidden = true;
      focusOn([...group.controls, group.figure]);
      open.href = liveUrl(id);
      return;
    }
    focusOn([]);
    window.clearTimeout(quietTimer);
    quietTimer = window.setTimeout(() => {
      const known = figureGroups().map((candidate) => candidate.figure.id);
      notice.textContent = known.length
        ? `This page has no figure “${id}”. Its figures are: ${known.join(", ")}.`
        : `This page has no figure “${id}” (it has no figures at all).`;
      notice.dataset.error = "unknown-figure";
      open.href = liveUrl();
    }, QUIET_MS);
  });

  reportHeight();
}

/** Posts the document's height to the parent frame whenever it changes. */
function reportHeight(): void {
  if (window.parent === window) return;
  let last = -1;
  const post = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: EMBED_MESSAGE, height, href: location.href }, "*");
  };
  new ResizeObserver(post).observe(document.documentElement);
  post();
}
