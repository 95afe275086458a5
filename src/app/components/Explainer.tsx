/**
 * The short, collapsible explainer each lab opens with: a summary, the key equations (KaTeX), what to look
 * at, and one thing to try. Text may contain inline `$...$` math. Open/closed is part of the URL (`explain`); closed,
 * it is one line with the summary's start, so the lab opens on its picture.
 */
import { MathText, Tex } from './Math.tsx';

export interface ExplainerContent {
  /** One or two sentences: what the lab shows. */
  summary: string;
  /** Key equations (TeX, display mode), each with an optional caption. */
  equations: { tex: string; caption?: string }[];
  /** What to look at: a few short items. */
  look: string[];
  /** One thing to try: true at the settings it points at. */
  tryThis: string;
  /** The scenario that sets the lab up for `tryThis` (a "Set it up" button applies it). */
  tryScenario?: string;
}

export function Explainer({
  title,
  content,
  open,
  onToggle,
  onTry,
}: {
  title: string;
  content: ExplainerContent;
  open: boolean;
  onToggle(open: boolean): void;
  /** Applies `content.tryScenario` (absent: no button). */
  onTry?: () => void;
}) {
  return (
    <details
      className="explainer"
      open={open}
      data-testid="explainer"
      onToggle={(e) => {
        const now = (e.currentTarget as HTMLDetailsElement).open;
        if (now !== open) onToggle(now);
      }}
    >
      <summary>
        <span className="explainer-title">About the {title} lab</span>
        {!open && (
          <span className="explainer-teaser">
            <MathText text={content.summary} />
          </span>
        )}
        <span className="explainer-hint">{open ? 'hide' : 'what it shows, the equations, one thing to try'}</span>
      </summary>
      <div className="explainer-body">
        <p className="explainer-summary">
          <MathText text={content.summary} />
        </p>
        <div className="explainer-equations">
          {content.equations.map((eq, i) => (
            <figure key={i} className="equation">
              <Tex tex={eq.tex} display />
              {eq.caption && (
                <figcaption>
                  <MathText text={eq.caption} />
                </figcaption>
              )}
            </figure>
          ))}
        </div>
        <div className="explainer-columns">
          <div>
            <h3>What to look at</h3>
            <ul>
              {content.look.map((item, i) => (
                <li key={i}>
                  <MathText text={item} />
                </li>
              ))}
            </ul>
          </div>
          <div>
            <h3>One thing to try</h3>
            <p>
              <MathText text={content.tryThis} />
            </p>
            {onTry && (
              <button type="button" className="explainer-try" onClick={onTry} data-testid="try-this">
                Set it up
              </button>
            )}
          </div>
        </div>
      </div>
    </details>
  );
}
