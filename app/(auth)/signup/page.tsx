import { SignupForm } from "@/components/auth/login-form";

export const metadata = { title: "Create an account" };

export default function SignupPage() {
  return (
    <>
      <h1 className="text-center text-lg font-semibold">Create an account</h1>
      <SignupForm />
    </>
  );
}
