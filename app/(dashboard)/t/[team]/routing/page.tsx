import { Suspense } from "react";
import { requirePageTeam } from "@/lib/auth/page";
import { simulateLogged } from "@/lib/ratings/logged-simulation";
import { Simulator } from "@/components/simulator/simulator";
import { LoggedSimulator } from "@/components/simulator/logged";
import { Card } from "@/components/ui/card";

export const metadata = { title: "Routing simulator" };

/** The replay on the team's rated results runs here, on the server (up to a second for the most results). */
async function Logged({ slug }: { slug: string }) {
  const { db, team } = await requirePageTeam(slug);
  return <LoggedSimulator result={await simulateLogged(db, team.id, team.timezone)} />;
}

export default async function RoutingPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  await requirePageTeam(slug);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Routing simulator</h1>
      <Simulator />
      <Suspense fallback={<Card title="Your logged ratings">
            <p className="text-sm text-zinc-500" role="status">Replaying the router on your rated results…</p>
          </Card>}>
        <Logged slug={slug} />
      </Suspense>
    </div>
  );
}
