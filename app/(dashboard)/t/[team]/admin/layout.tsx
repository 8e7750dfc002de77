import type { ReactNode } from "react";
import { requirePageScope } from "@/lib/auth/page";

// Checked here, above any Suspense boundary, so a refused visitor gets a real 404 status.
export default async function AdminLayout({ children, params }: { children: ReactNode; params: Promise<{ team: string }> }) {
  const { team } = await params;
  await requirePageScope(team, "members:write");
  return children;
}
