import { redirect } from "next/navigation";
import { getToken } from "@/lib/session";

/** `/`: the meetings when signed in, else the sign-in page. */
export default async function Home() {
  redirect((await getToken()) ? "/meetings" : "/sign-in");
}
