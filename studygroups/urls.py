from django.urls import path

from studygroups import import_views, views

app_name = "studygroups"

urlpatterns = [
    path("orgs/", views.OrgUnitList.as_view(), name="orgunit_list"),
    path("orgs/new/", views.OrgUnitCreate.as_view(), name="orgunit_create"),
    path("orgs/<int:pk>/", views.OrgUnitDetail.as_view(), name="orgunit_detail"),
    path("orgs/<int:pk>/edit/", views.OrgUnitUpdate.as_view(), name="orgunit_update"),
    path("groups/", views.StudyGroupList.as_view(), name="studygroup_list"),
    path("groups/<int:pk>/", views.StudyGroupDetail.as_view(), name="studygroup_detail"),
    path("groups/<int:pk>/edit/", views.StudyGroupUpdate.as_view(), name="studygroup_update"),
    path("groups/<int:group_pk>/members/new/", views.MembershipCreate.as_view(), name="membership_create"),
    path("memberships/<int:pk>/edit/", views.MembershipUpdate.as_view(), name="membership_update"),
    path("people/", views.PersonList.as_view(), name="person_list"),
    path("people/new/", views.PersonCreate.as_view(), name="person_create"),
    path("people/<int:pk>/", views.PersonDetail.as_view(), name="person_detail"),
    path("people/<int:pk>/edit/", views.PersonUpdate.as_view(), name="person_update"),
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
]
