import Link from "next/link";

export default function MeetingNotFound() {
  return (
    <section className="card">
      <h1>Meeting not found</h1>
      <p>It was deleted, or it belongs to another account.</p>
      <Link href="/meetings" className="button">
        Back to your meetings
      </Link>
    </section>
  );
}
