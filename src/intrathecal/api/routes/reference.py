"""Public reference data: drug catalogue, accepted insurers, clinic locations (no login)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request

from intrathecal.api import reference_data
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.reference import (
    DrugOut,
    InsurerOut,
    LocationOut,
    ProtocolOut,
    ProtocolsOut,
)
from intrathecal.clinic import config, protocols
from intrathecal.core.catalogue import load_catalogue

router = api_router(tags=["reference"])

RuleSetParam = Annotated[
    Literal["us", "eu"], Query(description="Jurisdiction whose label limits apply.")
]
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("/drugs", response_model=Page[DrugOut], responses=problem_responses(422))
def list_drugs(request: Request, page: Paging, rule_set: RuleSetParam = "us") -> Page[DrugOut]:
    """The drug catalogue with every limit's source and status."""
    drugs = [DrugOut.of(d) for d in load_catalogue().drugs(rule_set)]
    return slice_page(request, drugs, page)


@router.get("/drugs/{name}", response_model=DrugOut, responses=problem_responses(404, 422))
def get_drug(
    name: Annotated[str, Path(max_length=40, pattern=r"^[a-z_-]+$")],
    rule_set: RuleSetParam = "us",
) -> DrugOut:
    """One drug."""
    return DrugOut.of(reference_data.drug(name, rule_set))


@router.get("/insurers", response_model=Page[InsurerOut], responses=problem_responses(422))
def list_insurers(request: Request, page: Paging) -> Page[InsurerOut]:
    """Insurance providers the clinic accepts."""
    items = [InsurerOut(key=i.key, name=i.name) for i in config.insurers().values()]
    return slice_page(request, items, page)


@router.get("/locations", response_model=Page[LocationOut], responses=problem_responses(422))
def list_locations(request: Request, page: Paging) -> Page[LocationOut]:
    """Clinic locations where patients are seen."""
    items = [
        LocationOut(code=loc.code, name=loc.name, address=loc.address, phone=loc.phone)
        for loc in config.locations()
    ]
    return slice_page(request, items, page)


@router.get("/protocols", response_model=ProtocolsOut)
def list_protocols() -> ProtocolsOut:
    """Emergency protocols (opioid overdose, baclofen withdrawal, pocket fill) and the MRI
    checklist of each pump family, each with its source and status."""
    return ProtocolsOut(
        emergency=[ProtocolOut.of(p) for p in protocols.emergency_protocols().values()],
        mri=[ProtocolOut.of(p) for p in protocols.mri_checklists().values()],
    )
