/**
 * Icons drawn as inline SVG rather than emoji: a machine without a colour-emoji font (many Linux
 * desktops and servers) shows an emoji as an empty box.
 */
export function ThumbIcon({ down = false, className = "h-4 w-4" }: { down?: boolean; className?: string }) {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinejoin="round" aria-hidden="true" className={className}>
      <g transform={down ? "rotate(180 12 12)" : undefined}>
        <path d="M7 10v11H3V10h4z" />
        <path d="M7 10l4-7a2.5 2.5 0 0 1 2.5 2.5V10h5a2 2 0 0 1 2 2.4l-1.4 7A2 2 0 0 1 17.1 21H7" />
      </g>
    </svg>
  );
}
