-- Sales: speed to first contact by cohort month and source
select cohort_month, lead_source, leads, contacted, avg_hours_to_first_contact
from marts.sales_funnel
where tenant_id = %(tenant_id)s and cohort_month >= %(since_month)s
order by cohort_month, lead_source
