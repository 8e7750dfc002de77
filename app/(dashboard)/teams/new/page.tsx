import Link from "next/link";
import { myTeams } from "@/lib/auth/page";
import { CreateTeamForm } from "@/components/admin/create-team";

export const metadata = { title: "New team" };

export default async function NewTeamPage() {
  const teams = await myTeams();
  return (
    <main className="mx-auto max-w-md space-y-4 p-8">
      <h1 className="text-xl font-semibold">{teams.length ? "Create a team" : "Create your first team"}</h1>
      <p className="text-sm text-zinc-500">
        A team has its own budget, keys, pipelines and history. You will be its owner and can invite others from Admin.
      </p>
      <CreateTeamForm />
      {teams.length > 0 && (
        <Link href={`/t/${teams[0].slug}`} className="text-sm text-indigo-600 hover:underline">
          Back to {teams[0].name}
        </Link>
      )}
    </main>
  );
}
