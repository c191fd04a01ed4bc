from django.utils.translation import gettext_lazy as _

from assessment.models import Run, Scheme
from studygroups.filters import SearchFilterSet, YearFilter


class SchemeFilter(SearchFilterSet):
    search_fields = ("name",)
    year = YearFilter(label=_("Year"))

    class Meta:
        model = Scheme
        fields = ["year"]


class RunFilter(SearchFilterSet):
    search_fields = ("county__name",)
    year = YearFilter(label=_("Year"))

    class Meta:
        model = Run
        fields = ["year"]
