"use client";

export function ThemeToggle() {
  return (
    <button
      type="button"
      aria-label="Toggle dark mode"
      className="rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
      onClick={() => {
        const dark = document.documentElement.classList.toggle("dark");
        localStorage.setItem("mc-theme", dark ? "dark" : "light");
      }}
    >
      <span className="dark:hidden">☾ Dark</span>
      <span className="hidden dark:inline">☀ Light</span>
    </button>
  );
}
