/** The app's mark: a speech bubble with a waveform (inline SVG, no external asset). */
export function Logo({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" fill="#1f5fbf" />
      <path d="M7 10.5v0M9.5 8v5M12 6.5v8M14.5 8.5v4M17 10v1" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" />
    </svg>
  );
}
