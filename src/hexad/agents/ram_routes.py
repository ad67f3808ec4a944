"""Routes for on-site visits: per technician and day, with time windows, service times, hours and skills.

Solved with the OR-Tools routing library (guided local search after a cheapest-arc start): each
technician is a vehicle that leaves home at the start of the working day and is back by its end;
each visit has a time window (before its SLA when the SLA falls that day), a service duration and
required skills (a visit may only go to technicians who have them). Travel is the haversine
distance at an average road speed: no external map service is called, so the plan can be computed
on a machine with no internet. A visit that cannot fit is dropped with a reason instead of making
the whole plan infeasible.

The classic capacitated VRP (`solve_cvrp`, how routing quality is measured against the published
Augerat "A" instances in `benchmarks/ram_plans.py`) is solved with PyVRP's hybrid genetic search,
which reaches the published optima within seconds where OR-Tools' guided local search stays 3-8%
above them in the same time; OR-Tools remains the engine for technician days because it handles
skills (allowed vehicles per visit) natively.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import pandas as pd
from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # type: ignore[import-untyped]

from hexad.agents.base import FrameSource
from hexad.agents.ram_plans import haversine_km
from hexad.errors import AgentError

__all__ = [
    "CvrpInstance",
    "Route",
    "RoutePlan",
    "RouteTechnician",
    "Stop",
    "Visit",
    "day_visits",
    "parse_vrp",
    "plan_routes",
    "solve_cvrp",
]

_SPEED_KMH = 50.0
_DAY_START = 8 * 60
_DAY_END = 17 * 60
_DROP_PENALTY = 10_000_000


@dataclass(frozen=True)
class Visit:
    """An on-site job: where, how long, when it may start (minutes after midnight) and the skills."""

    visit_id: str
    latitude: float
    longitude: float
    service_minutes: int
    earliest: int = _DAY_START
    latest: int = _DAY_END
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RouteTechnician:
    """A technician's day: home, skills and working hours (minutes after midnight)."""

    technician_id: str
    name: str
    latitude: float
    longitude: float
    skills: frozenset[str]
    start: int = _DAY_START
    end: int = _DAY_END


@dataclass(frozen=True)
class Stop:
    """One visit on a route: when the technician arrives and leaves, and the drive to get there."""

    visit_id: str
    arrival: str
    departure: str
    drive_km: float


@dataclass(frozen=True)
class Route:
    """One technician's day."""

    technician_id: str
    stops: list[Stop]
    distance_km: float
    back_home: str


@dataclass(frozen=True)
class RoutePlan:
    """Every technician's route and the visits that could not be placed, with the reason."""

    day: str
    routes: list[Route]
    unvisited: list[dict[str, str]] = field(default_factory=list)

    @property
    def distance_km(self) -> float:
        """Total driving distance of the plan."""
        return round(sum(r.distance_km for r in self.routes), 2)

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON-able data (`hexad routes show --json`)."""
        return {
            "day": self.day,
            "distance_km": self.distance_km,
            "routes": [{**r.__dict__, "stops": [s.__dict__ for s in r.stops]} for r in self.routes],
            "unvisited": self.unvisited,
        }


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(km: float) -> int:
    return round(km / _SPEED_KMH * 60)


def plan_routes(
    visits: list[Visit], technicians: list[RouteTechnician], *, day: date, time_limit: float = 5.0
) -> RoutePlan:
    """Route the day's visits over the technicians; visits that cannot fit are reported, not forced."""
    if not visits or not technicians:
        reason = "no technician is working that day" if visits else ""
        return RoutePlan(day.isoformat(), [], [{"visit_id": v.visit_id, "reason": reason} for v in visits])
    points = [(t.latitude, t.longitude) for t in technicians] + [(v.latitude, v.longitude) for v in visits]
    km = [[haversine_km(*a, *b) for b in points] for a in points]
    n_tech = len(technicians)
    starts = list(range(n_tech))
    manager = pywrapcp.RoutingIndexManager(len(points), n_tech, starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    service = [0] * n_tech + [v.service_minutes for v in visits]

    def distance(i: int, j: int) -> int:
        a, b = int(manager.IndexToNode(i)), int(manager.IndexToNode(j))
        return round(km[a][b] * 1000)

    def duration(i: int, j: int) -> int:
        a, b = int(manager.IndexToNode(i)), int(manager.IndexToNode(j))
        return service[a] + _minutes(km[a][b])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance))
    routing.AddDimension(routing.RegisterTransitCallback(duration), 8 * 60, 24 * 60, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for k, tech in enumerate(technicians):
        clock.CumulVar(routing.Start(k)).SetRange(tech.start, tech.end)
        clock.CumulVar(routing.End(k)).SetRange(tech.start, tech.end)
        routing.AddVariableMinimizedByFinalizer(clock.CumulVar(routing.End(k)))
    for offset, visit in enumerate(visits):
        index = manager.NodeToIndex(n_tech + offset)
        clock.CumulVar(index).SetRange(
            visit.earliest, max(visit.earliest, visit.latest - visit.service_minutes)
        )
        allowed = [k for k, t in enumerate(technicians) if visit.skills <= t.skills]
        # -1 is "not performed": the visit stays droppable (its disjunction) when no allowed vehicle fits it
        routing.VehicleVar(index).SetValues([-1, *allowed])
        routing.AddDisjunction([index], _DROP_PENALTY)
    solution = routing.SolveWithParameters(_parameters(time_limit))
    if solution is None:
        raise AgentError(f"routes for {day}: the routing solver found no plan")
    return _read_plan(day, visits, technicians, manager, routing, solution, km)


def _parameters(
    time_limit: float, first: int = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
) -> Any:
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = first
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(int(time_limit * 1000))
    return parameters


def _read_plan(
    day: date, visits: list[Visit], techs: list[RouteTechnician], manager: Any, routing: Any, solution: Any,
    km: list[list[float]],
) -> RoutePlan:  # fmt: skip
    clock = routing.GetDimensionOrDie("time")
    n_tech = len(techs)
    visited: set[int] = set()
    routes = []
    for k, tech in enumerate(techs):
        index, previous, stops, total = routing.Start(k), k, [], 0.0
        while not routing.IsEnd(index := solution.Value(routing.NextVar(index))):
            node = manager.IndexToNode(index)
            arrival = solution.Value(clock.CumulVar(index))
            visit = visits[node - n_tech]
            stops.append(Stop(visit.visit_id, _clock(arrival), _clock(arrival + visit.service_minutes),
                              round(km[previous][node], 2)))  # fmt: skip
            total += km[previous][node]
            previous = node
            visited.add(node - n_tech)
        if stops:
            total += km[previous][k]
            routes.append(Route(tech.technician_id, stops, round(total, 2),
                                _clock(solution.Value(clock.CumulVar(index)))))  # fmt: skip
    unvisited = [{"visit_id": v.visit_id, "reason": _why_dropped(v, techs)}
                 for i, v in enumerate(visits) if i not in visited]  # fmt: skip
    return RoutePlan(day.isoformat(), routes, unvisited)


def _why_dropped(visit: Visit, techs: list[RouteTechnician]) -> str:
    qualified = [t for t in techs if visit.skills <= t.skills]
    if not qualified:
        return f"no technician working that day has the skills {', '.join(sorted(visit.skills))}"
    return "does not fit in a qualified technician's working day within its time window"


# -- the day's visits from the MSP's data ---------------------------------------------------------


def day_visits(frames: FrameSource, day: date) -> tuple[list[Visit], list[RouteTechnician]]:
    """Open on-site tickets with a site, and the technicians employed that day with a home location."""
    tickets = frames("tickets")
    onsite = tickets[tickets["closed_at"].isna() & tickets["onsite"].fillna(False).astype(bool)]
    sites = frames("sites").set_index("site_id")
    start = datetime.combine(day, time(0))
    estimates = tickets["estimated_hours"].dropna()
    default_hours = float(estimates.median()) if len(estimates) else 2.0
    rows: list[Any] = list(onsite.itertuples(index=False))
    coordinates = {str(k): (float(v["latitude"]), float(v["longitude"])) for k, v in sites.iterrows()}
    visits = []
    for row in rows:
        if not isinstance(row.site_id, str) or row.site_id not in coordinates:
            continue
        hours = default_hours if pd.isna(row.estimated_hours) else float(row.estimated_hours)
        latest = _DAY_END
        if not pd.isna(row.sla_due_at):
            due = int((row.sla_due_at - pd.Timestamp(start)).total_seconds() // 60)
            latest = min(_DAY_END, due) if due >= _DAY_START else _DAY_END
        skills = frozenset(s for s in str(row.required_skills or "").split(";") if s and s != "nan")
        latitude, longitude = coordinates[row.site_id]
        visits.append(
            Visit(
                str(row.ticket_id),
                latitude,
                longitude,
                max(15, round(hours * 60)),
                _DAY_START,
                latest,
                skills,
            )
        )
    return visits, _working(frames, day)


def _working(frames: FrameSource, day: date) -> list[RouteTechnician]:
    techs = frames("technicians")
    stamp = pd.Timestamp(day)
    active = techs[(techs["start_date"] <= stamp) & (techs["end_date"].isna() | (techs["end_date"] >= stamp))]
    located = active.dropna(subset=["home_latitude", "home_longitude"])
    rows: list[Any] = list(located.itertuples(index=False))
    return [
        RouteTechnician(str(t.technician_id), str(t.name), float(t.home_latitude), float(t.home_longitude),
                        frozenset(str(t.skills or "").split(";")))
        for t in rows
    ]  # fmt: skip


# -- the capacitated VRP (benchmark instances) ----------------------------------------------------


@dataclass(frozen=True)
class CvrpInstance:
    """A TSPLIB CVRP instance: coordinates, demands, capacity, depot and the known optimum if stated."""

    name: str
    coordinates: list[tuple[float, float]]
    demands: list[int]
    capacity: int
    depot: int
    vehicles: int | None
    optimum: int | None


def parse_vrp(text: str) -> CvrpInstance:
    """Read a TSPLIB `.vrp` file (EUC_2D): NODE_COORD_SECTION, DEMAND_SECTION, DEPOT_SECTION."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped == "EOF":
            continue
        if stripped.endswith("_SECTION"):
            current = stripped
            sections[current] = []
        elif ":" in stripped and current is None:
            key, value = stripped.split(":", 1)
            header[key.strip()] = value.strip()
        elif current is not None:
            sections[current].append(stripped.split())
    if "NODE_COORD_SECTION" not in sections or "DEMAND_SECTION" not in sections:
        raise AgentError("vrp: expected NODE_COORD_SECTION and DEMAND_SECTION")
    coordinates = [(float(x), float(y)) for _, x, y in sections["NODE_COORD_SECTION"]]
    demands = [int(d) for _, d in sections["DEMAND_SECTION"]]
    depot = int(sections.get("DEPOT_SECTION", [["1"]])[0][0]) - 1
    comment = header.get("COMMENT", "")
    trucks = _number_after(comment, "No of trucks:")
    optimum = _number_after(comment, "Optimal value:") or _number_after(comment, "Best value:")
    return CvrpInstance(
        header.get("NAME", "?"), coordinates, demands, int(header["CAPACITY"]), depot, trucks, optimum
    )


def _number_after(text: str, label: str) -> int | None:
    if label not in text:
        return None
    digits = "".join(ch for ch in text.split(label, 1)[1].strip() if ch.isdigit() or ch == " ").split()
    return int(digits[0]) if digits else None


def _tsplib_costs(instance: CvrpInstance) -> list[list[int]]:
    """TSPLIB EUC_2D: Euclidean distance rounded to the nearest integer."""
    return [[math.floor(math.dist(a, b) + 0.5) for b in instance.coordinates] for a in instance.coordinates]


def solve_cvrp(
    instance: CvrpInstance, *, time_limit: float = 10.0, engine: str = "pyvrp", seed: int = 1
) -> tuple[int, list[list[int]]]:
    """Total cost (TSPLIB rounded distances) and the routes as node lists, within `time_limit` seconds.

    `pyvrp` (hybrid genetic search) reaches the published optima of the Augerat instances within
    seconds; `ortools` (guided local search) is kept as the baseline the benchmark compares against.
    """
    if engine == "pyvrp":
        return _solve_cvrp_pyvrp(instance, time_limit, seed)
    if engine == "ortools":
        return _solve_cvrp_ortools(instance, time_limit)
    raise AgentError(f"cvrp engine: expected 'pyvrp' or 'ortools', got {engine!r}")


def _solve_cvrp_pyvrp(instance: CvrpInstance, time_limit: float, seed: int) -> tuple[int, list[list[int]]]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    model = Model()
    vehicles = instance.vehicles or max(1, math.ceil(sum(instance.demands) / instance.capacity))
    model.add_vehicle_type(num_available=vehicles, capacity=instance.capacity)
    locations = [model.add_location(x=x, y=y) for x, y in instance.coordinates]
    model.add_depot(locations[instance.depot])
    customers = [i for i in range(len(locations)) if i != instance.depot]
    for i in customers:
        model.add_client(locations[i], delivery=instance.demands[i])
    for i, row in enumerate(_tsplib_costs(instance)):
        for j, cost in enumerate(row):
            model.add_edge(locations[i], locations[j], distance=cost)
    result = model.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    if not result.is_feasible():
        raise AgentError(f"{instance.name}: no feasible solution within {time_limit} s")
    # a client activity's idx is the client's position in the order the clients were added
    routes = [[customers[a.idx] for a in route if a.is_client()] for route in result.best.routes()]
    return int(result.cost()), routes


def _solve_cvrp_ortools(instance: CvrpInstance, time_limit: float) -> tuple[int, list[list[int]]]:
    n = len(instance.coordinates)
    cost = _tsplib_costs(instance)
    vehicles = instance.vehicles or max(1, math.ceil(sum(instance.demands) / instance.capacity))
    manager = pywrapcp.RoutingIndexManager(n, vehicles, instance.depot)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitCallback(lambda i, j: cost[manager.IndexToNode(i)][manager.IndexToNode(j)])
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    demand = routing.RegisterUnaryTransitCallback(lambda i: instance.demands[manager.IndexToNode(i)])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [instance.capacity] * vehicles, True, "load")
    solution = routing.SolveWithParameters(
        _parameters(time_limit, routing_enums_pb2.FirstSolutionStrategy.SAVINGS)
    )
    if solution is None:
        raise AgentError(f"{instance.name}: the routing solver found no solution")
    routes = []
    for k in range(vehicles):
        index, route = routing.Start(k), []
        while not routing.IsEnd(index := solution.Value(routing.NextVar(index))):
            route.append(manager.IndexToNode(index))
        if route:
            routes.append(route)
    return int(solution.ObjectiveValue()), routes
