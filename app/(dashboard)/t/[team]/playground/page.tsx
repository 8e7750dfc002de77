import { requirePageTeam } from "@/lib/auth/page";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Playground" };

export default async function PlaygroundPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  await requirePageTeam(slug);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Playground</h1>
      <EmptyState title="Playground not available yet">Running tasks against models arrives with the provider fleet.</EmptyState>
    </div>
  );
}
