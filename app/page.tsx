import { redirect } from "next/navigation";
import { myTeams } from "@/lib/auth/page";

export default async function Home() {
  const teams = await myTeams();
  redirect(teams.length ? `/t/${teams[0].slug}` : "/teams/new");
}
