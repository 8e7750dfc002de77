import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg p-12 text-center">
      <h1 className="text-lg font-semibold" data-testid="not-found">
        Not found
      </h1>
      <p className="mt-1 text-sm text-zinc-500">This page does not exist, or you do not have access to it.</p>
      <Link href="/" className="mt-4 inline-block text-indigo-600 hover:underline">
        Go to your teams
      </Link>
    </main>
  );
}
