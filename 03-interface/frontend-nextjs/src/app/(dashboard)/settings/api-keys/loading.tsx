export default function Loading() {
  return (
    <section className="card" aria-busy="true" aria-label="Loading the API keys">
      <div className="skeleton" style={{ width: "40%", height: "1.4rem" }} />
      <div className="skeleton" />
      <div className="skeleton" style={{ width: "60%" }} />
    </section>
  );
}
