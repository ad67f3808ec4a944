import { Link } from "react-router-dom";
import { Empty } from "../components/states";

export function NotFound() {
  return <Empty title="No such page" hint={<Link to="/">Go to the overview</Link>} />;
}
