import { desc, eq } from "drizzle-orm";
import { ratings } from "@/db/schema";
import { requirePageTeam } from "@/lib/auth/page";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Ratings" };

export default async function RatingsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const rows = await db.select().from(ratings).where(eq(ratings.teamId, team.id)).orderBy(desc(ratings.createdAt)).limit(100);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Ratings</h1>
      {rows.length === 0 ? (
        <EmptyState title="No ratings yet">Rate results in the playground with thumbs or stars; the router learns from them and they are listed here.</EmptyState>
      ) : (
        <Card>
          <table className="w-full text-sm">
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="py-1 font-mono text-xs">{r.model}</td>
                  <td className="py-1">{r.kind === "thumbs" ? (r.value ? "👍" : "👎") : "★".repeat(r.value)}</td>
                  <td className="py-1 text-zinc-500">{r.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}
