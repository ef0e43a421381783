import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main">
      <section className="card" style={{ maxWidth: 560, margin: "3rem auto" }}>
        <h1>Not found</h1>
        <p>This page does not exist, or it belongs to someone else.</p>
        <Link href="/meetings" className="button">
          Back to your meetings
        </Link>
      </section>
    </main>
  );
}
