"use client";

import { useState } from "react";
import { signOutAction } from "@/lib/auth/actions";

export function UserMenu({ name, email }: { name: string | null; email: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="relative min-w-0">
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        className="flex max-w-full items-center gap-2 rounded-md px-2 py-1 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
      >
        <span className="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-indigo-600 text-xs font-semibold text-white">{(name ?? email)[0]?.toUpperCase()}</span>
        <span className="truncate" title={email} data-testid="user-email">
          {email}
        </span>
      </button>
      {open && (
        <div role="menu" className="absolute right-0 z-20 mt-1 w-56 rounded-md border border-zinc-200 bg-white p-1 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
          <div className="px-3 py-2 text-xs text-zinc-500">Signed in as {name ?? email}</div>
          <form action={signOutAction}>
            <button type="submit" role="menuitem" className="w-full rounded px-3 py-1.5 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800">
              Sign out
            </button>
          </form>
        </div>
      )}
    </div>
  );
}
