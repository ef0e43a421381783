/**
 * An accessible progress bar (`role="progressbar"`, value in percent) with a caption line.
 */
import { useLocale } from "next-intl";
import { formatPercent } from "@/lib/format";

export interface ProgressBarProps {
  /** Progress in [0, 1]; `null` draws an indeterminate bar. */
  value: number | null;
  /** Accessible name, e.g. "Upload progress" (already translated). */
  label: string;
  /** Text on the left of the caption (e.g. "480 KB of 960 KB" or the stage), translated. */
  caption?: string | undefined;
}

export function ProgressBar({ value, label, caption }: ProgressBarProps) {
  const locale = useLocale();
  const clamped = value === null ? null : Math.min(1, Math.max(0, value));
  const percent = clamped === null ? undefined : Math.round(clamped * 100);
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={clamped === null ? caption : `${formatPercent(clamped, locale)}${caption ? `, ${caption}` : ""}`}
      >
        <div className="progress-fill" style={{ width: `${percent ?? 100}%`, opacity: clamped === null ? 0.35 : 1 }} />
      </div>
      <div className="progress-label">
        <span>{caption}</span>
        <span>{clamped === null ? "" : formatPercent(clamped, locale)}</span>
      </div>
    </div>
  );
}
