import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-lg p-6 text-center">
      <h2 className="text-lg font-semibold">Not found</h2>
      <p className="mt-1 text-sm text-zinc-500">This page does not exist, or your team does not have access to it.</p>
      <Link href="/" className="mt-4 inline-block text-indigo-600 hover:underline">
        Go to your teams
      </Link>
    </div>
  );
}
