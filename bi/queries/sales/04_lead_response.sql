-- Sales: leads and hours to first contact by month
select cohort_month, count(*) as leads, avg(hours_to_first_contact) as avg_hours_to_first_contact
from marts.fct_leads
where tenant_id = %(tenant_id)s and cohort_month >= %(since_month)s
group by cohort_month
order by cohort_month
