"use client";

import { createContext, useContext, type ReactNode } from "react";
import { hasScope, type Scope } from "@/lib/auth/scopes";
import type { Role } from "@/db/schema/teams";

type TeamInfo = { id: string; slug: string; name: string; role: Role; timezone: string };
const Ctx = createContext<TeamInfo | null>(null);

export function TeamProvider({ team, children }: { team: TeamInfo; children: ReactNode }) {
  return <Ctx.Provider value={team}>{children}</Ctx.Provider>;
}

export function useTeam(): TeamInfo {
  const t = useContext(Ctx);
  if (!t) throw new Error("useTeam outside a team page");
  return t;
}

/** Hides controls the role may not use; the server action checks the same scope again. */
export function useHasScope(scope: Scope): boolean {
  return hasScope(useTeam().role, scope);
}
