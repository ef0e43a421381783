export default function Loading() {
  return (
    <section className="card" aria-busy="true" aria-label="Loading your meetings">
      <div className="skeleton" style={{ width: "40%", height: "1.4rem" }} />
      <div className="skeleton" />
      <div className="skeleton" />
      <div className="skeleton" style={{ width: "70%" }} />
    </section>
  );
}
