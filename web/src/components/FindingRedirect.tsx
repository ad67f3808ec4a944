// /findings/:id, the link notifications carry, opens that finding in the inbox whatever its status.
import { Navigate, useParams } from "react-router-dom";
import { findingHref } from "../notifications/links";

export function FindingRedirect() {
  const { findingId = "" } = useParams();
  return <Navigate replace to={findingHref(findingId)} />;
}
