{#- Every non-null value of the column exists in `to`.`field` for the same
    tenant (ids repeat across tenants, so a plain relationships test would
    miss a cross-tenant orphan). -#}
{% test relationships_within_tenant(model, column_name, to, field) %}

select
    child.tenant_id,
    child.{{ column_name }}
from {{ model }} as child
left join {{ to }} as parent
    on child.tenant_id = parent.tenant_id
    and child.{{ column_name }} = parent.{{ field }}
where
    child.{{ column_name }} is not null
    and parent.{{ field }} is null

{% endtest %}
