from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .choices import CompanySize, Industry, Region, SolutionArea
from .models import BusinessProfile


def partner_search(request: HttpRequest) -> HttpResponse:
    profiles = BusinessProfile.objects.filter(is_active=True, partner__is_active=True).select_related("partner")
    region = request.GET.get("region", "")
    if region in Region.values:
        profiles = profiles.filter(region=region)
    return render(
        request,
        "profiles/search.html",
        {
            "profiles": profiles[:50],
            "regions": Region.choices,
            "region": region,
            "solution_areas": SolutionArea.choices,
            "industries": Industry.choices,
            "company_sizes": CompanySize.choices,
        },
    )
